/* fscachesim stand-in for <linux/slab.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
