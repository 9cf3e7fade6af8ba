/* fscachesim stand-in for <linux/rolling_buffer.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
