/* fscachesim stand-in for <trace/define_trace.h>: nothing to do, tracepoints are defined by kc_kernel.h. */
