/* luks_formats.c - the on-disk formats luksbox's libcryptsetup cannot open:
 * TrueCrypt/VeraCrypt, BitLocker, FileVault2 and dm-verity.
 *
 * libcryptsetup's setup.o dispatches crypt_load(), crypt_format(),
 * crypt_init_by_name() and the activate/dump calls to every format's
 * module, so a static link pulls them all in although luksbox loads and
 * formats LUKS2 only (and loads LUKS1 to refuse it by name: keymanage.o
 * stays). These definitions, linked before -lcryptsetup, satisfy exactly
 * the references other linked members make to those modules, so the
 * archive members (tcrypt.o, bitlk.o, fvault2.o, verity*.o and what they
 * pull: crc32.o, utf8.o, rs_*.o, musl's regcomp/regexec for fvault2) are
 * never linked (about 70 KB). Each refuses with -ENOTSUP: crypt_load() of
 * such a type fails, crypt_init_by_name() of such a mapping fails for
 * TrueCrypt and finds no header for the others. The void and uint64_t ones
 * are only reached on a handle of those types, which cannot exist.
 *
 * Prototypes as cryptsetup 2.6.1's internal headers declare them
 * (lib/tcrypt/tcrypt.h, lib/bitlk/bitlk.h, lib/fvault2/fvault2.h,
 * lib/verity/verity.h; tests/check compares them). Should a newer
 * libcryptsetup reference a symbol of one of these members that is not
 * here, the member is linked again and the link fails loudly with
 * "multiple definition"; tests/check also reads the linker map and fails
 * if any of them is linked.
 * See: docs/design.md "What the binary links".
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

struct crypt_device;
struct crypt_params_tcrypt;
struct crypt_params_verity;
struct device;
struct dm_target;
struct volume_key;
struct tcrypt_phdr;
struct bitlk_metadata;
struct fvault2_params;

/* tcrypt.o: TrueCrypt and VeraCrypt (and crc32.o). */
int TCRYPT_read_phdr(struct crypt_device *cd, struct tcrypt_phdr *hdr,
		     struct crypt_params_tcrypt *params)
{
	return -ENOTSUP;
}

int TCRYPT_init_by_name(struct crypt_device *cd, const char *name,
			const char *uuid, const struct dm_target *tgt,
			struct device **device,
			struct crypt_params_tcrypt *tcrypt_params,
			struct tcrypt_phdr *tcrypt_hdr)
{
	return -ENOTSUP;
}

int TCRYPT_activate(struct crypt_device *cd, const char *name,
		    struct tcrypt_phdr *hdr, struct crypt_params_tcrypt *params,
		    uint32_t flags)
{
	return -ENOTSUP;
}

int TCRYPT_deactivate(struct crypt_device *cd, const char *name, uint32_t flags)
{
	return -ENOTSUP;
}

uint64_t TCRYPT_get_data_offset(struct crypt_device *cd,
				struct tcrypt_phdr *hdr,
				struct crypt_params_tcrypt *params)
{
	return 0;
}

uint64_t TCRYPT_get_iv_offset(struct crypt_device *cd, struct tcrypt_phdr *hdr,
			      struct crypt_params_tcrypt *params)
{
	return 0;
}

int TCRYPT_get_volume_key(struct crypt_device *cd, struct tcrypt_phdr *hdr,
			  struct crypt_params_tcrypt *params,
			  struct volume_key **vk)
{
	return -ENOTSUP;
}

int TCRYPT_dump(struct crypt_device *cd, struct tcrypt_phdr *hdr,
		struct crypt_params_tcrypt *params)
{
	return -ENOTSUP;
}

/* bitlk.o: BitLocker (and utf8.o). */
int BITLK_read_sb(struct crypt_device *cd, struct bitlk_metadata *params)
{
	return -ENOTSUP;
}

int BITLK_dump(struct crypt_device *cd, struct device *device,
	       struct bitlk_metadata *params)
{
	return -ENOTSUP;
}

int BITLK_get_volume_key(struct crypt_device *cd, const char *password,
			 size_t passwordLen,
			 const struct bitlk_metadata *params,
			 struct volume_key **open_fvek_key)
{
	return -ENOTSUP;
}

int BITLK_activate_by_passphrase(struct crypt_device *cd, const char *name,
				 const char *password, size_t passwordLen,
				 const struct bitlk_metadata *params,
				 uint32_t flags)
{
	return -ENOTSUP;
}

int BITLK_activate_by_volume_key(struct crypt_device *cd, const char *name,
				 const char *volume_key, size_t volume_key_size,
				 const struct bitlk_metadata *params,
				 uint32_t flags)
{
	return -ENOTSUP;
}

void BITLK_bitlk_metadata_free(struct bitlk_metadata *params)
{
}

/* fvault2.o: FileVault2 (and musl's regcomp/regexec, wide-char tables). */
int FVAULT2_read_metadata(struct crypt_device *cd,
			  struct fvault2_params *params)
{
	return -ENOTSUP;
}

int FVAULT2_get_volume_key(struct crypt_device *cd, const char *passphrase,
			   size_t passphrase_len,
			   const struct fvault2_params *params,
			   struct volume_key **vol_key)
{
	return -ENOTSUP;
}

int FVAULT2_dump(struct crypt_device *cd, struct device *device,
		 const struct fvault2_params *params)
{
	return -ENOTSUP;
}

int FVAULT2_activate_by_passphrase(struct crypt_device *cd, const char *name,
				   const char *passphrase,
				   size_t passphrase_len,
				   const struct fvault2_params *params,
				   uint32_t flags)
{
	return -ENOTSUP;
}

/* verity.o, verity_hash.o, verity_fec.o: dm-verity (and rs_*.o). */
int VERITY_read_sb(struct crypt_device *cd, uint64_t sb_offset, char **uuid,
		   struct crypt_params_verity *params)
{
	return -ENOTSUP;
}

int VERITY_write_sb(struct crypt_device *cd, uint64_t sb_offset,
		    const char *uuid_string, struct crypt_params_verity *params)
{
	return -ENOTSUP;
}

int VERITY_activate(struct crypt_device *cd, const char *name,
		    const char *root_hash, size_t root_hash_size,
		    const char *signature_description,
		    struct device *fec_device,
		    struct crypt_params_verity *verity_hdr,
		    uint32_t activation_flags)
{
	return -ENOTSUP;
}

int VERITY_UUID_generate(char **uuid_string)
{
	return -ENOTSUP;
}

int VERITY_dump(struct crypt_device *cd, struct crypt_params_verity *verity_hdr,
		const char *root_hash, unsigned int root_hash_size,
		struct device *fec_device)
{
	return -ENOTSUP;
}

int VERITY_create(struct crypt_device *cd,
		  struct crypt_params_verity *verity_hdr, const char *root_hash,
		  size_t root_hash_size)
{
	return -ENOTSUP;
}

uint64_t VERITY_hash_blocks(struct crypt_device *cd,
			    struct crypt_params_verity *params)
{
	return 0;
}

int VERITY_FEC_process(struct crypt_device *cd,
		       struct crypt_params_verity *params,
		       struct device *fec_device, int check_fec,
		       unsigned int *errors)
{
	return -ENOTSUP;
}
