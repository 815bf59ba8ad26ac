package image

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// image is one platform's image with its manifest and config as they are
// written. It implements v1.Image for go-containerregistry's writers.
type image struct {
	manifest []byte
	config   []byte
	layers   []v1.Layer
	digest   v1.Hash
	platform v1.Platform
}

var _ v1.Image = (*image)(nil)

// newImage encodes the config and the manifest of an OCI image.
func newImage(c *v1.ConfigFile, layers []v1.Layer, ann map[string]string) (*image, error) {
	rawConfig, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config: v1.Descriptor{
			MediaType: types.OCIConfigJSON,
			Size:      int64(len(rawConfig)),
			Digest:    sha256Hash(rawConfig),
		},
		Annotations: ann,
	}
	for _, l := range layers {
		d, err := descriptorOf(l)
		if err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, d)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &image{
		manifest: raw,
		config:   rawConfig,
		layers:   layers,
		digest:   sha256Hash(raw),
		platform: v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant},
	}, nil
}

// descriptorOf returns a layer's descriptor, with an OCI media type.
func descriptorOf(l v1.Layer) (v1.Descriptor, error) {
	d, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	size, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := l.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: ociMediaType(mt), Size: size, Digest: d}, nil
}

// size is the size of the manifest, config and layers.
func (i *image) size() int64 {
	n := int64(len(i.manifest) + len(i.config))
	for _, l := range i.layers {
		s, _ := l.Size()
		n += s
	}
	return n
}

// Layers returns the layers, base first.
func (i *image) Layers() ([]v1.Layer, error) { return i.layers, nil }

// MediaType returns the OCI manifest media type.
func (i *image) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// Size returns the size of the manifest.
func (i *image) Size() (int64, error) { return int64(len(i.manifest)), nil }

// ConfigName returns the digest of the config.
func (i *image) ConfigName() (v1.Hash, error) { return sha256Hash(i.config), nil }

// ConfigFile returns the parsed config.
func (i *image) ConfigFile() (*v1.ConfigFile, error) {
	return v1.ParseConfigFile(bytes.NewReader(i.config))
}

// RawConfigFile returns the config as written.
func (i *image) RawConfigFile() ([]byte, error) { return i.config, nil }

// Digest returns the manifest's digest.
func (i *image) Digest() (v1.Hash, error) { return i.digest, nil }

// Manifest returns the parsed manifest.
func (i *image) Manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(i.manifest))
}

// RawManifest returns the manifest as written.
func (i *image) RawManifest() ([]byte, error) { return i.manifest, nil }

// LayerByDigest returns the layer with the compressed digest h.
func (i *image) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if d, _ := l.Digest(); d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("image: no layer %s in image %s", h, i.digest)
}

// LayerByDiffID returns the layer with the uncompressed digest h.
func (i *image) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if d, _ := l.DiffID(); d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("image: no layer with diff ID %s in image %s", h, i.digest)
}

// index is an OCI image index over the images of a Result. It implements
// v1.ImageIndex.
type index struct {
	manifest []byte
	digest   v1.Hash
	images   []*image
}

var _ v1.ImageIndex = (*index)(nil)

// newIndex encodes the index of ims.
func newIndex(ims []Image, ann map[string]string) (*index, error) {
	m := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Annotations:   ann,
	}
	x := &index{}
	for _, im := range ims {
		m.Manifests = append(m.Manifests, im.img.descriptor())
		x.images = append(x.images, im.img)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	x.manifest = raw
	x.digest = sha256Hash(raw)
	return x, nil
}

// descriptor returns the image's descriptor in an index, with its platform.
func (i *image) descriptor() v1.Descriptor {
	p := i.platform
	return v1.Descriptor{
		MediaType: types.OCIManifestSchema1,
		Size:      int64(len(i.manifest)),
		Digest:    i.digest,
		Platform:  &p,
	}
}

// MediaType returns the OCI index media type.
func (x *index) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }

// Digest returns the index's digest.
func (x *index) Digest() (v1.Hash, error) { return x.digest, nil }

// Size returns the size of the index.
func (x *index) Size() (int64, error) { return int64(len(x.manifest)), nil }

// IndexManifest returns the parsed index.
func (x *index) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(x.manifest))
}

// RawManifest returns the index as written.
func (x *index) RawManifest() ([]byte, error) { return x.manifest, nil }

// Image returns the image with digest h.
func (x *index) Image(h v1.Hash) (v1.Image, error) {
	for _, i := range x.images {
		if i.digest == h {
			return i, nil
		}
	}
	return nil, fmt.Errorf("image: no image %s in index %s", h, x.digest)
}

// ImageIndex fails: the index holds images only.
func (x *index) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("image: no index %s in index %s", h, x.digest)
}
