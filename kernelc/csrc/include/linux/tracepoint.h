/* fscachesim stand-in for <linux/tracepoint.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
