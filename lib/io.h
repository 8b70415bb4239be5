/* io.h - whole reads and writes, files replaced or created atomically, the
 * size of a device.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: write(2), fsync(2), rename(2), link(2), open(2) O_EXCL O_NOFOLLOW,
 *      ioctl BLKGETSIZE64 (linux/fs.h).
 *
 * Every function returns 0 (or a count) on success and -errno on failure;
 * an interrupted call (EINTR) is retried, a short write is continued.
 * A file written here is either absent, as it was, or whole and synced:
 * never half-written, whatever kills the process or cuts the power.
 */
#ifndef LUKSBOX_IO_H
#define LUKSBOX_IO_H

#include <stddef.h>
#include <stdint.h>

/* Write all N bytes of P to FD. 0, or -errno (-EIO for a zero write). */
int io_write_all(int fd, const void *p, size_t n);

/*
 * Read the whole of PATH into BUF (CAP bytes; not NUL-terminated) and set
 * *LEN. -EFBIG when the file holds more than CAP bytes, -ENOENT when it
 * is absent. O_NOFOLLOW is not used: /sys and /proc files are links.
 */
int io_read_file(const char *path, void *buf, size_t cap, size_t *len);

/*
 * The first line of PATH (a sysfs attribute, a one-line file) in BUF (LEN
 * bytes, NUL-terminated, the newline dropped). -ENODATA for an empty
 * file; a longer line is cut at LEN - 1 bytes.
 */
int io_read_line(const char *path, char *buf, size_t len);

/* Sync the file PATH and the directory that holds its name, so both
 * survive a power cut: 0 or -errno. */
int io_sync_path(const char *path);

/*
 * Create PATH holding the N bytes of P with MODE, never replacing
 * anything: the data goes to a new temporary file beside PATH (O_EXCL,
 * O_NOFOLLOW), is synced, and is linked to PATH (link(2) fails -EEXIST
 * when PATH exists, a dangling symlink included), and the directory is
 * synced. What is left on a failure is PATH as it was.
 */
int io_write_new(const char *path, const void *p, size_t n, unsigned mode);

/*
 * Replace PATH with the N bytes of P, MODE: temporary file beside it
 * (O_EXCL, O_NOFOLLOW), written, chmod MODE (so umask cannot narrow it),
 * synced, renamed over PATH, the directory synced. When IN_FD is >= 0 the content is read from
 * it to its end instead of P (a copy of a file, e.g. our own binary).
 */
int io_write_replace(const char *path, const void *p, size_t n, int in_fd,
		     unsigned mode);

/* Point the symlink PATH at TARGET, replacing whatever PATH was, in one
 * rename(2): PATH is never missing in between. */
int io_symlink_replace(const char *target, const char *path);

/* Size in bytes of the open FD: a block device's (BLKGETSIZE64) or a
 * regular file's. -ENOTBLK for anything else. */
int io_dev_size(int fd, uint64_t *bytes);

#endif
