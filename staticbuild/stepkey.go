package staticbuild

// AddKey adds key to what the release's key depends on, for a step's
// Check that learns what its Step.Key cannot know ahead, such as a hash of
// the public key it signs with: a release whose Checks add another key is
// not a no-op. It must hold no secret. Unlike Step.Key, it is not part of
// the configuration the shards of a release must share, so a step whose
// Check adds nothing in a shard needs no secret there.
func (r *Run) AddKey(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkKeys = append(r.checkKeys, key)
}
