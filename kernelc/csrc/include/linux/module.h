/* fscachesim stand-in for <linux/module.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
