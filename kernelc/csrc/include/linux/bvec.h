/* fscachesim stand-in for <linux/bvec.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
