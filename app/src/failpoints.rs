//! Failpoints: named places where a test can make a process manager fail, as if the process had
//! died between two steps. Compiled in only with the `failpoints` feature (the test suite turns
//! it on); otherwise `hit` is an empty function.
//!
//! A failpoint is armed with `fail::cfg(name, "return(KEY)")` and fires only for work whose key
//! (for example an order's customer reference) equals KEY, so concurrent tests do not trip over
//! each other's failpoints.

/// Fails when the failpoint `name` is armed for `key` (or armed without a key).
pub fn hit(name: &str, key: &str) -> anyhow::Result<()> {
    #[cfg(feature = "failpoints")]
    {
        let fired = fail::eval(name, |armed_for| {
            armed_for.as_deref().is_none_or(|k| k == key)
        });
        if fired == Some(true) {
            anyhow::bail!("failpoint {name} fired for {key}");
        }
    }
    #[cfg(not(feature = "failpoints"))]
    let _ = (name, key);
    Ok(())
}
