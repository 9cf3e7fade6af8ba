/* fscachesim stand-in for <linux/pagemap.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
