/* io.c - whole reads and writes, atomic files, device sizes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: io.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"

int io_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *q = p;

	while (n) {
		ssize_t w = write(fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_fd(int fd, unsigned char *buf, size_t cap, size_t *len)
{
	size_t got = 0;
	char extra;

	for (;;) {
		ssize_t r = got < cap ? read(fd, buf + got, cap - got)
				      : read(fd, &extra, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		if (got == cap)
			return -EFBIG;
		got += (size_t)r;
	}
	*len = got;
	return 0;
}

int io_read_file(const char *path, void *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, cap, len);
	close(fd);
	return r;
}

int io_read_line(const char *path, char *buf, size_t len)
{
	FILE *f;
	int r = 0;

	if (!len)
		return -EINVAL;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		r = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (r)
		buf[0] = '\0';
	else
		buf[strcspn(buf, "\n")] = '\0';
	return r;
}

/* TMP (CAP bytes) = PATH.luksbox-RANDOM, a name beside PATH for a file or
 * link that is then renamed or linked onto it. 0 or -ENAMETOOLONG. */
static int temp_name(const char *path, char *tmp, size_t cap)
{
	unsigned rnd;
	int len;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (unsigned)getpid();
	len = snprintf(tmp, cap, "%s.luksbox-%08x", path, rnd);
	return len < 0 || (size_t)len >= cap ? -ENAMETOOLONG : 0;
}

/* The temporary file TMP beside PATH, created O_EXCL: its fd, or -errno. */
static int open_temp(const char *path, char *tmp, size_t cap, unsigned mode)
{
	int fd = temp_name(path, tmp, cap);

	if (fd < 0)
		return fd;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  mode & 07777);
	return fd < 0 ? -errno : fd;
}

/* Copy IN to its end into FD. */
static int copy_fd(int in, int fd)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		n = io_write_all(fd, buf, (size_t)n);
		if (n)
			return (int)n;
	}
}

/* Fill the temporary file FD (content P/N or IN_FD), set MODE, sync and
 * close it. */
static int fill_temp(int fd, const void *p, size_t n, int in_fd, unsigned mode)
{
	int r = in_fd >= 0 ? copy_fd(in_fd, fd) : io_write_all(fd, p, n);

	if (!r && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int io_sync_path(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!r && (fd < 0 || fsync(fd) < 0))
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

int io_write_new(const char *path, const void *p, size_t n, unsigned mode)
{
	char tmp[4096];
	int fd, r;

	fd = open_temp(path, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return fd;
	r = fill_temp(fd, p, n, -1, mode);
	/* link(2) never replaces: an existing PATH stays as it was. */
	if (!r && link(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
	if (!r)
		r = io_sync_path(path);
	return r;
}

int io_write_replace(const char *path, const void *p, size_t n, int in_fd,
		     unsigned mode)
{
	char tmp[4096];
	int fd, r;

	fd = open_temp(path, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return fd;
	r = fill_temp(fd, p, n, in_fd, mode);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	else
		r = io_sync_path(path);
	return r;
}

int io_symlink_replace(const char *target, const char *path)
{
	char tmp[4096];
	int r = temp_name(path, tmp, sizeof(tmp));

	if (r < 0)
		return r;
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int io_dev_size(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, bytes) < 0 ? -errno : 0;
	if (S_ISREG(st.st_mode)) {
		*bytes = (uint64_t)st.st_size;
		return 0;
	}
	return -ENOTBLK;
}
