/* fscachesim stand-in for <linux/fs.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
