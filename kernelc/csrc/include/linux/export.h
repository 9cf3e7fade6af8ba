/* fscachesim stand-in for <linux/export.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
