//! Independent jobs on every core: the fold fits, the column profiles, the per-column checks.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `f` on every job, one job per available core at a time, taking the next job as each
/// finishes; the results keep the jobs' order, so the answer is the same on any number of cores.
/// A panic in a job is passed on to the caller, as if the job had run on the caller's thread.
pub fn map<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len());
    if threads <= 1 {
        return jobs.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break mine };
                        mine.push((i, f(job)));
                    }
                })
            })
            .collect();
        let mut all = Vec::with_capacity(jobs.len());
        for worker in workers {
            match worker.join() {
                Ok(mine) => all.extend(mine),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_jobs_order() {
        let jobs: Vec<u64> = (0..1000).collect();
        // Uneven work, so that the workers finish out of order.
        let squares = super::map(&jobs, |&j| (0..j % 97).fold(j * j, |acc, _| std::hint::black_box(acc)));
        assert_eq!(squares, jobs.iter().map(|j| j * j).collect::<Vec<_>>());
        assert_eq!(super::map(&[] as &[u8], |&j| j), Vec::<u8>::new());
    }
}
