/* fscachesim stand-in for <linux/bit_spinlock.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
