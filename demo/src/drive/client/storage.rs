//! The mini program's storage as a JSON file: one object mapping keys to strings, like
//! `wx.setStorageSync` keeps them. Writes go to a temporary file that is renamed into place,
//! so a crash never leaves half a record.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Key-value storage in one JSON file.
#[derive(Clone, Debug)]
pub struct FileStorage {
    path: PathBuf,
}

impl FileStorage {
    /// Storage in `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value under `key`; `None` when the file or the key is missing. A file that is not
    /// a JSON object of strings reads as empty, as `wx.getStorageSync` returns `""` for what
    /// it cannot give.
    pub async fn read(&self, key: &str) -> io::Result<Option<String>> {
        Ok(self.load().await?.remove(key))
    }

    /// Stores `value` under `key`.
    pub async fn write(&self, key: &str, value: &str) -> io::Result<()> {
        let mut map = self.load().await?;
        map.insert(key.to_owned(), value.to_owned());
        self.save(&map).await
    }

    /// Removes `key`.
    pub async fn remove(&self, key: &str) -> io::Result<()> {
        let mut map = self.load().await?;
        if map.remove(key).is_some() {
            self.save(&map).await?;
        }
        Ok(())
    }

    async fn load(&self) -> io::Result<BTreeMap<String, String>> {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e),
        }
    }

    async fn save(&self, map: &BTreeMap<String, String>) -> io::Result<()> {
        let text = serde_json::to_vec_pretty(map).map_err(io::Error::other)?;
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        tokio::fs::write(&temporary, text).await?;
        tokio::fs::rename(&temporary, &self.path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_and_tolerates_garbage() {
        let dir = std::env::temp_dir().join(format!("wxlogin-storage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let storage = FileStorage::new(dir.join("storage.json"));
        assert_eq!(storage.read("k").await.unwrap(), None);
        storage.write("k", "v").await.unwrap();
        storage.write("other", "w").await.unwrap();
        assert_eq!(storage.read("k").await.unwrap().as_deref(), Some("v"));
        storage.remove("k").await.unwrap();
        assert_eq!(storage.read("k").await.unwrap(), None);
        assert_eq!(storage.read("other").await.unwrap().as_deref(), Some("w"));
        std::fs::write(storage.path(), "not json").unwrap();
        assert_eq!(storage.read("other").await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
