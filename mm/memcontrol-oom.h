/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace OOM handlers: what mm/memcontrol.c, mm/memcontrol-v1.c and
 * mm/oom_kill.c call in mm/memcontrol-oom.c.
 */
#ifndef __MM_MEMCONTROL_OOM_H
#define __MM_MEMCONTROL_OOM_H

#include <linux/cgroup.h>
#include <linux/memcontrol.h>

struct cftype;
struct kernfs_open_file;
struct memcg_oom_handler;
struct seq_file;

struct memcg_oom_handler *memcg_oom_handler_add(struct mem_cgroup *memcg,
						struct kernfs_open_file *of);
void memcg_oom_handler_del(struct memcg_oom_handler *h);

#ifdef CONFIG_MEMCG
bool mem_cgroup_oom_handler_kill(struct task_struct *tsk);
#else
static inline bool mem_cgroup_oom_handler_kill(struct task_struct *tsk)
{
	return false;
}
#endif

bool memcg_oom_reserve_charge(struct mem_cgroup *memcg,
			      struct mem_cgroup *mem_over_limit,
			      unsigned int nr_pages, bool last_resort);
unsigned long memcg_oom_reserve_used(struct mem_cgroup *memcg);
bool memcg_oom_handlers_grace(struct mem_cgroup *memcg, bool start);

/* memory.oom_reserve_in_bytes, memory.oom.reserve */
u64 memcg_oom_reserve_read(struct cgroup_subsys_state *css,
			   struct cftype *cft);
ssize_t memcg_oom_reserve_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off);

/* memory.oom.handler */
int memcg_oom_handler_show(struct seq_file *m, void *v);
ssize_t memcg_oom_handler_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off);
void memcg_oom_handler_release(struct kernfs_open_file *of);

#endif /* __MM_MEMCONTROL_OOM_H */
