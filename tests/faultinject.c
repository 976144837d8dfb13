/* Test-only LD_PRELOAD library: makes write(2) to regular files fail with
 * ENOSPC once PP_FAULT_WRITE_LIMIT bytes have been written, as a disk that
 * fills up mid-build would. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	static long long written, limit = -2;
	if (!real_write) {
		void *symbol = dlsym(RTLD_NEXT, "write");
		memcpy(&real_write, &symbol, sizeof real_write); /* object to function pointer, portably */
	}
	if (limit == -2) {
		const char *s = getenv("PP_FAULT_WRITE_LIMIT");
		limit = s ? atoll(s) : -1;
	}
	struct stat st;
	if (limit >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (written + (long long)count > limit) {
			errno = ENOSPC;
			return -1;
		}
		written += (long long)count;
	}
	return real_write(fd, buf, count);
}
