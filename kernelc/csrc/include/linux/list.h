/* fscachesim stand-in for <linux/list.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
