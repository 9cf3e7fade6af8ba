/* fscachesim stand-in for <linux/uio.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
