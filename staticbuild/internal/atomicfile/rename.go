package atomicfile

// Rename renames oldpath to newpath like os.Rename. On Windows it retries
// for a short, bounded time while another process, such as an antivirus
// scanner or an indexer, holds either file open; elsewhere it renames once.
func Rename(oldpath, newpath string) error {
	return rename(oldpath, newpath)
}
