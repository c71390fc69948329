package main

import (
	"bytes"
	"context"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// datastoreFileChecks put, list, move, copy and remove files on a datastore the way govc's
// datastore.upload, download, ls, mkdir, mv, cp and rm do: /folder over HTTP for the bytes,
// FileManager for the rest.
func (s *suite) datastoreFileChecks() {
	var (
		ds    *object.Datastore
		files *object.FileManager
	)
	content := []byte("uploaded by the govmomi conformance suite\n")

	download := func(ctx context.Context, path string) ([]byte, error) {
		r, _, err := ds.Download(ctx, path, nil)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return ioutil.ReadAll(r)
	}
	wantBytes := func(ctx context.Context, path string, want []byte) error {
		got, err := download(ctx, path)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s holds %q, want %q", path, got, want)
		}
		return nil
	}
	wantGone := func(ctx context.Context, path string) error {
		if _, err := download(ctx, path); err == nil {
			return fmt.Errorf("%s is still there", path)
		}
		return nil
	}
	// transfer moves or copies a file of LocalDS_0, as datastore.mv and datastore.cp do.
	transfer := func(ctx context.Context, move bool, from, to string) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) {
			if move {
				return files.MoveDatastoreFile(ctx, "[LocalDS_0] "+from, s.dc, "[LocalDS_0] "+to, s.dc, false)
			}
			return files.CopyDatastoreFile(ctx, "[LocalDS_0] "+from, s.dc, "[LocalDS_0] "+to, s.dc, false)
		})
		return err
	}
	del := func(ctx context.Context, name string) error {
		_, err := runTask(ctx, func(ctx context.Context) (*object.Task, error) { return files.DeleteDatastoreFile(ctx, name, s.dc) })
		return err
	}

	s.check("datastore.upload: Datastore.Upload over /folder, then Download gives the bytes back", func(ctx context.Context) error {
		var err error
		if ds, err = s.finder.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
		files = object.NewFileManager(s.c.Client)
		p := soap.DefaultUpload
		p.ContentLength = int64(len(content))
		if err := ds.Upload(ctx, bytes.NewReader(content), "conformance/upload.txt", &p); err != nil {
			return err
		}
		return wantBytes(ctx, "conformance/upload.txt", content)
	})

	s.check("datastore.upload/download: UploadFile and DownloadFile through local files", func(ctx context.Context) error {
		dir, err := ioutil.TempDir("", "conformance")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		local := filepath.Join(dir, "local.bin")
		binary := []byte{0, 1, 2, 250, 251, 252, 253, 254, 255}
		if err := ioutil.WriteFile(local, binary, 0600); err != nil {
			return err
		}
		if err := ds.UploadFile(ctx, local, "conformance/local.bin", nil); err != nil {
			return err
		}
		back := filepath.Join(dir, "back.bin")
		if err := ds.DownloadFile(ctx, "conformance/local.bin", back, nil); err != nil {
			return err
		}
		got, err := ioutil.ReadFile(back)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, binary) {
			return fmt.Errorf("downloaded %v, want %v", got, binary)
		}
		return nil
	})

	s.check("datastore.ls: SearchDatastore lists the uploaded file with its size", func(ctx context.Context) error {
		browser, err := ds.Browser(ctx)
		if err != nil {
			return err
		}
		spec := types.HostDatastoreBrowserSearchSpec{Details: &types.FileQueryFlags{FileType: true, FileSize: true, Modification: true, FileOwner: types.NewBool(false)}}
		res, err := searchDatastore(ctx, browser, "[LocalDS_0] conformance", spec)
		if err != nil {
			return err
		}
		for _, f := range res.File {
			if fi := f.GetFileInfo(); fi.Path == "upload.txt" {
				if fi.FileSize != int64(len(content)) || fi.Modification == nil {
					return fmt.Errorf("upload.txt listed as %+v, want %d bytes and a time", fi, len(content))
				}
				return nil
			}
		}
		return fmt.Errorf("no upload.txt in %s: %+v", res.FolderPath, res.File)
	})

	s.check("datastore.download: a file that is not there fails", func(ctx context.Context) error {
		return wantGone(ctx, "conformance/no-such-file.txt")
	})

	s.check("datastore.mkdir: MakeDirectory, FileAlreadyExists the second time, FileNotFound for a missing parent without -p, none for a folder there with -p", func(ctx context.Context) error {
		if err := files.MakeDirectory(ctx, "[LocalDS_0] made", s.dc, false); err != nil {
			return err
		}
		if _, err := soapFault(files.MakeDirectory(ctx, "[LocalDS_0] made", s.dc, false), "FileAlreadyExists"); err != nil {
			return err
		}
		if _, err := soapFault(files.MakeDirectory(ctx, "[LocalDS_0] made/a/b", s.dc, false), "FileNotFound"); err != nil {
			return err
		}
		if err := files.MakeDirectory(ctx, "[LocalDS_0] made/a/b", s.dc, true); err != nil {
			return err
		}
		return files.MakeDirectory(ctx, "[LocalDS_0] made/a", s.dc, true)
	})

	s.check("datastore.mv: MoveDatastoreFile moves a file, FileAlreadyExists onto one unless forced", func(ctx context.Context) error {
		return inOrder(
			func() error { return transfer(ctx, true, "conformance/upload.txt", "made/moved.txt") },
			func() error { return wantBytes(ctx, "made/moved.txt", content) },
			func() error { return wantGone(ctx, "conformance/upload.txt") },
			func() error {
				_, err := taskFault(transfer(ctx, true, "conformance/local.bin", "made/moved.txt"), "FileAlreadyExists")
				return err
			},
		)
	})

	s.check("datastore.cp: CopyDatastoreFile copies the bytes; a missing source is FileNotFound", func(ctx context.Context) error {
		return inOrder(
			func() error { return transfer(ctx, false, "made/moved.txt", "made/copy.txt") },
			func() error { return wantBytes(ctx, "made/copy.txt", content) },
			func() error { return wantBytes(ctx, "made/moved.txt", content) },
			func() error {
				_, err := taskFault(transfer(ctx, false, "made/none.txt", "made/none2.txt"), "FileNotFound")
				return err
			},
		)
	})

	s.check("datastore.rm: DeleteDatastoreFile removes a file and a folder; FileNotFound when gone, CannotDeleteFile for a VM's folder", func(ctx context.Context) error {
		return inOrder(
			func() error { return del(ctx, "[LocalDS_0] made/copy.txt") },
			func() error { return wantGone(ctx, "made/copy.txt") },
			func() error { return del(ctx, "[LocalDS_0] made") },
			func() error { return wantGone(ctx, "made/moved.txt") },
			func() error {
				_, err := taskFault(del(ctx, "[LocalDS_0] made"), "FileNotFound")
				return err
			},
			func() error {
				vmx, err := s.firstVMConfigFile(ctx)
				if err != nil {
					return err
				}
				_, err = taskFault(del(ctx, fmt.Sprintf("[%s] %s", vmx.Datastore, path.Dir(vmx.Path))), "CannotDeleteFile")
				return err
			},
		)
	})
}
