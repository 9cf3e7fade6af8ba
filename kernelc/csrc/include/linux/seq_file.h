/* fscachesim stand-in for <linux/seq_file.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
