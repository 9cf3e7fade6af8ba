// SPDX-License-Identifier: GPL-2.0
/*
 * fscachesim: a trivial in-memory cache backend in C, the first step before
 * the Go backends (docs/kernel-c.md). It plays the part cachefiles plays for
 * fscache: volume and object records, lookup (negative the first time, then
 * positive: the store outlives the cookie), withdrawal, and I/O that completes
 * at once, ending the cookie access in end_operation as a backend must.
 */
#include <linux/fscache-cache.h>
#include <trace/events/fscache.h>
#include "kc_sched.h"

struct kc_mem_object {
	struct fscache_cookie *cookie;
	loff_t size;
	unsigned int writes;
};

struct kc_mem_volume {
	struct list_head link;		/* in kc_mem_volumes */
	struct fscache_volume *volume;
};

static struct list_head kc_mem_volumes;
static spinlock_t kc_mem_lock;
static atomic_t kc_mem_nvolumes;	/* volumes fscache has not freed yet */

/* Which keys have an object on the "disk" (the first byte of the key). */
static bool kc_mem_disk[256];
static long kc_mem_nobjects;

long kc_mem_objects(void) { return kc_mem_nobjects; }
void kc_mem_reset(void)
{
	memset(kc_mem_disk, 0, sizeof(kc_mem_disk));
	kc_mem_nobjects = 0;
	INIT_LIST_HEAD(&kc_mem_volumes);
	kc_mem_nvolumes.counter = 0;
	spin_lock_init(&kc_mem_lock);
}

static void kc_mem_acquire_volume(struct fscache_volume *volume)
{
	struct kc_mem_volume *v;

	kc_backend_call(KC_ACQUIRE_VOLUME, NULL, volume);
	v = kzalloc(sizeof(*v), GFP_KERNEL);

	v->volume = volume;
	spin_lock(&kc_mem_lock);
	list_add_tail(&v->link, &kc_mem_volumes);
	spin_unlock(&kc_mem_lock);
	volume->cache_priv = v;
	atomic_inc(&kc_mem_nvolumes);
	/* pin the volume's access count while the cache caches it, as cachefiles does */
	trace_fscache_access_volume(volume->debug_id, 0, refcount_read(&volume->ref),
				    atomic_inc_return(&volume->n_accesses),
				    fscache_access_cache_pin);
}

/* Called by fscache when the volume goes, and by the withdrawal below. */
static void kc_mem_free_volume(struct fscache_volume *volume)
{
	struct kc_mem_volume *v;

	spin_lock(&kc_mem_lock);
	v = volume->cache_priv;
	if (v) {
		list_del_init(&v->link);
		volume->cache_priv = NULL;
	}
	spin_unlock(&kc_mem_lock);
	kfree(v);
	if (v && atomic_dec_and_test(&kc_mem_nvolumes))
		wake_up_var(&kc_mem_nvolumes);
}

/* fscache's free_volume op (the withdrawal calls kc_mem_free_volume itself) */
static void kc_mem_free_volume_op(struct fscache_volume *volume)
{
	kc_backend_call(KC_FREE_VOLUME, NULL, volume);
	kc_mem_free_volume(volume);
}

/* kc_mem_withdraw_cache withdraws the cache: stop new accesses, unpin each
 * volume still pinned and wait for its accesses to drain (as cachefiles
 * does), wait for the objects to be withdrawn, then - unlike cachefiles,
 * which frees its volume records itself - wait until fscache has freed every
 * volume before letting go of the cache (docs/kernel-c.md says why). */
void kc_mem_withdraw_cache(struct fscache_cache *cache)
{
	fscache_withdraw_cache(cache);
	for (;;) {
		struct fscache_volume *volume = NULL;
		struct kc_mem_volume *v;

		spin_lock(&kc_mem_lock);
		while (!list_empty(&kc_mem_volumes)) {
			v = list_first_entry(&kc_mem_volumes, struct kc_mem_volume, link);
			list_del_init(&v->link);
			if (atomic_read(&v->volume->n_accesses) == 0)
				continue;
			volume = fscache_try_get_volume(v->volume, fscache_volume_get_withdraw);
			if (volume)
				break;
		}
		spin_unlock(&kc_mem_lock);
		if (!volume)
			break;
		fscache_withdraw_volume(volume);
		fscache_put_volume(volume, fscache_volume_put_withdraw);
	}
	fscache_wait_for_objects(cache);
	wait_var_event(&kc_mem_nvolumes, atomic_read(&kc_mem_nvolumes) == 0);
	fscache_relinquish_cache(cache);
}

static bool kc_mem_lookup_cookie(struct fscache_cookie *cookie)
{
	unsigned char k = *(unsigned char *)fscache_get_key(cookie);
	struct kc_mem_object *obj;

	kc_backend_call(KC_LOOKUP_COOKIE, cookie, cookie->volume);
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	/* the object pins the cookie, as cachefiles' object does */
	obj->cookie = fscache_get_cookie(cookie, fscache_cookie_get_attach_object);
	obj->size = cookie->object_size;
	/* counted before it is attached, as cachefiles_alloc_object counts it
	 * before cachefiles_lookup_cookie sets cache_priv (checker's I-13) */
	fscache_count_object(cookie->volume->cache);
	kc_mem_nobjects++;
	cookie->cache_priv = obj;
	if (!kc_mem_disk[k]) {
		kc_mem_disk[k] = true;
		fscache_cookie_lookup_negative(cookie);
	}
	return true;
}

static void kc_mem_withdraw_cookie(struct fscache_cookie *cookie)
{
	struct kc_mem_object *obj = cookie->cache_priv;

	kc_backend_call(KC_WITHDRAW_COOKIE, cookie, cookie->volume);

	/* The check: the LRU must not discard a cookie a netfs user holds in
	 * use (between fscache_use_cookie returning and fscache_unuse_cookie). */
	if (cookie->state == FSCACHE_COOKIE_STATE_LRU_DISCARDING && kc_users_in_use > 0)
		kc_finding("LRU discard withdrew a cookie a netfs user holds in use");

	cookie->cache_priv = NULL;
	kfree(obj);
	fscache_put_cookie(cookie, fscache_cookie_put_object);
	kc_mem_nobjects--;
	fscache_uncount_object(cookie->volume->cache);
}

static void kc_mem_resize_cookie(struct netfs_cache_resources *cres, loff_t new_size)
{
	struct kc_mem_object *obj = cres->cache_priv2;

	kc_backend_call(KC_RESIZE_COOKIE, fscache_cres_cookie(cres), fscache_cres_cookie(cres)->volume);
	obj->size = new_size;
}

static bool kc_mem_invalidate_cookie(struct fscache_cookie *cookie)
{
	struct kc_mem_object *obj = cookie->cache_priv;

	kc_backend_call(KC_INVALIDATE_COOKIE, cookie, cookie->volume);
	obj->writes = 0;
	fscache_resume_after_invalidation(cookie);
	return true;
}

static void kc_mem_prepare_to_write(struct fscache_cookie *cookie)
{
	kc_backend_call(KC_PREPARE_TO_WRITE, cookie, cookie->volume);
}

static void kc_mem_end_operation(struct netfs_cache_resources *cres)
{
	fscache_end_cookie_access(fscache_cres_cookie(cres), fscache_access_io_end);
}

static int kc_mem_read(struct netfs_cache_resources *cres, loff_t start,
		       struct iov_iter *iter, enum netfs_read_from_hole hole,
		       netfs_io_terminated_t term, void *priv)
{
	(void)start; (void)hole;
	if (term)
		term(priv, cres->cache_priv2 ? (ssize_t)iov_iter_count(iter) : -ENOBUFS, false);
	return 0;
}

static int kc_mem_write(struct netfs_cache_resources *cres, loff_t start,
			struct iov_iter *iter, netfs_io_terminated_t term, void *priv)
{
	struct kc_mem_object *obj = cres->cache_priv2;

	(void)start;
	obj->writes++;
	if (term)
		term(priv, (ssize_t)iov_iter_count(iter), false);
	return 0;
}

static int kc_mem_prepare_write(struct netfs_cache_resources *cres, loff_t *start,
				size_t *len, size_t upper_len, loff_t i_size, bool no_space)
{
	(void)cres; (void)start; (void)len; (void)upper_len; (void)i_size; (void)no_space;
	return 0;
}

static const struct netfs_cache_ops kc_mem_netfs_ops = {
	.end_operation	= kc_mem_end_operation,
	.read		= kc_mem_read,
	.write		= kc_mem_write,
	.prepare_write	= kc_mem_prepare_write,
};

static bool kc_mem_begin_operation(struct netfs_cache_resources *cres,
				   enum fscache_want_state want)
{
	struct fscache_cookie *cookie = fscache_cres_cookie(cres);

	(void)want;
	kc_backend_call(KC_BEGIN_OPERATION, cookie, cookie->volume);
	cres->ops = &kc_mem_netfs_ops;
	cres->cache_priv2 = cookie->cache_priv;
	return cookie->cache_priv != NULL;
}

const struct fscache_cache_ops kc_mem_cache_ops = {
	.name			= "kc-mem",
	.acquire_volume		= kc_mem_acquire_volume,
	.free_volume		= kc_mem_free_volume_op,
	.lookup_cookie		= kc_mem_lookup_cookie,
	.withdraw_cookie	= kc_mem_withdraw_cookie,
	.resize_cookie		= kc_mem_resize_cookie,
	.invalidate_cookie	= kc_mem_invalidate_cookie,
	.begin_operation	= kc_mem_begin_operation,
	.prepare_to_write	= kc_mem_prepare_to_write,
};
