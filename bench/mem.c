/**
 * @file mem.c  Memory figures for the benchmarks (see mem.h).
 */
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>
#include "mem.h"

double bench_heap_mb(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (double)(mi.uordblks + mi.hblkhd) / 1048576.0;
}

double bench_rss_mb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}
