//! How the process uses glibc's allocator: the resident size a host must provide is the peak of a large
//! directory's start (catalog, search index, open-data files), and glibc keeps what those free unless told.

/// Limits glibc to one arena per core (its default is eight per core on 64-bit). Each thread that meets
/// contention gets an arena of its own, and memory freed in one arena serves no other: at 100,000 companies
/// the load, the index build and the open-data build, each on threads of their own, left the peak resident
/// size 13 MB higher (`bench/profiles/memory-100k.txt`). Call before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets an allocator parameter; called before other threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Returns memory freed after a large piece of work (an index build, the open-data files) to the system:
/// glibc keeps freed memory in its arenas, so what those built and dropped would otherwise stay in the
/// process's resident size for good (`bench/run` reports the peak).
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
