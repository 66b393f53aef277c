//! How the process uses glibc's allocator: the resident size a host must provide is the peak of a large
//! directory's start (catalog, search index, open-data files), and glibc keeps what those free unless told.

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
