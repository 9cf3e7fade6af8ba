/* fscachesim stand-in for <linux/folio_queue.h>: everything is in kc_kernel.h. */
#include "../kc_kernel.h"
