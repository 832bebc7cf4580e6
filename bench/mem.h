/**
 * @file mem.h  Memory figures for the benchmarks: the heap in use
 * (mallinfo2) and the process's resident set (/proc/self/statm), in MB.
 */
#ifndef CALLBOT_BENCH_MEM_H
#define CALLBOT_BENCH_MEM_H

double bench_heap_mb(void);
double bench_rss_mb(void);

#endif
