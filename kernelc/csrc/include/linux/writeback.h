/* fscachesim stand-in for <linux/writeback.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
