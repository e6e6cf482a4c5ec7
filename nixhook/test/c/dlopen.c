/*
 * dlopen LIBRARY SYMBOL: opens LIBRARY by bare name, as a plugin loader does, so the dynamic
 * loader searches this program's RUNPATH; then calls SYMBOL (int (void)) and prints SYMBOL=value.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *handle;
	int (*fn)(void);

	if (argc != 3) {
		fprintf(stderr, "usage: %s LIBRARY SYMBOL\n", argv[0]);
		return 2;
	}
	handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	fn = (int (*)(void))dlsym(handle, argv[2]);
	if (fn == NULL) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	printf("%s=%d\n", argv[2], fn());
	return 0;
}
