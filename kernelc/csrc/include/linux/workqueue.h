/* fscachesim stand-in for <linux/workqueue.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
