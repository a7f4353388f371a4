package bench

import (
	"bufio"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
)

// The streaming benchmarks post files of streamSizes over loopback. They
// are skipped under -short; 1 GiB is added with S3POST_BENCH_LARGE=1.

// largeEnv adds the 1 GiB size to the streaming benchmarks.
const largeEnv = "S3POST_BENCH_LARGE"

// discardServerEnv makes the test binary a server that reads each request
// body to io.Discard (see TestMain).
const discardServerEnv = "S3POST_BENCH_DISCARD_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(discardServerEnv) == "1" {
		runDiscardServer()
		return
	}
	os.Exit(m.Run())
}

// discard is the floor of every upload: a handler that reads the body to
// io.Discard.
func discard(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusNoContent)
}

// runDiscardServer serves discard on a loopback port, which it prints, until
// its standard input ends.
func runDiscardServer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	go func() { _ = http.Serve(ln, http.HandlerFunc(discard)) }()
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startDiscardServer starts the discard server in a process of its own, so
// that the CPU time the benchmark process spends is the client's alone.
func startDiscardServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), discardServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			b.Fatal("the discard server did not start")
		}
		return "http://" + a
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		b.Fatal("the discard server did not start within 10 s")
	}
	return ""
}

func streamSizes(b *testing.B) []int64 {
	if testing.Short() {
		b.Skip("streaming benchmarks post hundreds of MiB: skipped under -short")
	}
	sizes := []int64{256 << 20}
	if os.Getenv(largeEnv) == "1" {
		sizes = append(sizes, 1<<30)
	}
	return sizes
}

// sizeName is 256MiB or 1GiB.
func sizeName(n int64) string {
	if n >= 1<<30 {
		return strconv.FormatInt(n>>30, 10) + "GiB"
	}
	return strconv.FormatInt(n>>20, 10) + "MiB"
}

// testFile writes a file of n bytes in a directory of the benchmark's and
// reads it once, so that every implementation reads it from the page
// cache.
func testFile(b *testing.B, n int64) string {
	path := filepath.Join(b.TempDir(), "photo.jpg")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	chunk := []byte(strings.Repeat("0123456789abcdef", 1<<16))
	for left := n; left > 0; {
		m := min(left, int64(len(chunk)))
		if _, err := f.Write(chunk[:m]); err != nil {
			b.Fatal(err)
		}
		left -= m
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// cpuTime is the CPU time, user and system, that this process and the
// children it waited for have spent.
func cpuTime(b *testing.B) time.Duration {
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, tv := range []syscall.Timeval{self.Utime, self.Stime, children.Utime, children.Stime} {
		total += time.Duration(tv.Nano())
	}
	return total
}

// uploadForm is the form of form.go as s3post signs it, for the upload
// benchmarks to post.
func uploadForm(b *testing.B, url string) *s3post.PresignedPost {
	presign, err := newS3post(staticKeys)
	if err != nil {
		b.Fatal(err)
	}
	f, err := presign(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return &s3post.PresignedPost{URL: url, Fields: f.fields}
}

func post(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// BenchmarkUploadFile posts a file to a server that discards it, in a
// process of its own: as the body of a plain POST (raw-file: net/http
// sends it with sendfile), as the file of s3post's NewUploadRequest, and
// with curl -F. cpu-ns/op is the CPU time of the client (for curl, of its
// process). Compare them with
//
//	benchstat -filter .name:UploadFile -col /impl results.txt
func BenchmarkUploadFile(b *testing.B) {
	for _, size := range streamSizes(b) {
		path := testFile(b, size)
		url := startDiscardServer(b)
		form := uploadForm(b, url)
		client := &http.Client{}
		impls := []struct {
			name string
			post func() error
		}{
			{"raw-file", func() error {
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				req, err := http.NewRequest(http.MethodPost, url, f)
				if err != nil {
					return err
				}
				req.ContentLength = size
				return post(client, req)
			}},
			{"s3post-file", func() error {
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				req, err := form.NewUploadRequest(context.Background(), s3post.Upload{
					Filename: "photo.jpg", Body: f, Fields: map[string]string{"Content-Type": "image/jpeg"},
				})
				if err != nil {
					return err
				}
				return post(client, req)
			}},
		}
		if curl, err := exec.LookPath("curl"); err == nil {
			impls = append(impls, struct {
				name string
				post func() error
			}{"curl", func() error {
				args := []string{"-sS", "-o", "/dev/null", "-w", "%{http_code}"}
				for name, value := range form.Fields {
					args = append(args, "--form-string", name+"="+value)
				}
				args = append(args, "--form-string", "Content-Type=image/jpeg", "-F", "file=@"+path, url)
				out, err := exec.Command(curl, args...).Output()
				if err != nil {
					return err
				}
				if string(out) != "204" {
					return fmt.Errorf("curl: status %s", out)
				}
				return nil
			}})
		}
		for _, impl := range impls {
			b.Run("size="+sizeName(size)+"/impl="+impl.name, func(b *testing.B) {
				b.SetBytes(size)
				start := cpuTime(b)
				for b.Loop() {
					if err := impl.post(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// multipartFloor is a bare handler that reads a multipart POST part by
// part, as S3 does, and reads the file part to io.Discard, hashing it
// with MD5 when withMD5 is set.
func multipartFloor(withMD5 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var dst io.Writer = io.Discard
			if withMD5 && part.FormName() == "file" {
				h := md5.New()
				dst = h
			}
			if _, err := io.Copy(dst, part); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// BenchmarkTestServer posts a file with NewUploadRequest to s3posttest,
// which verifies the form, keeps the file in memory and hashes it, and to
// two floors in the same process: a bare mime/multipart handler, with and
// without the MD5 of the file. B/op, against the file's size, is the
// memory the upload takes. Compare them with
//
//	benchstat -filter .name:TestServer -col /impl results.txt
func BenchmarkTestServer(b *testing.B) {
	for _, size := range streamSizes(b) {
		path := testFile(b, size)
		srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{bucket}, Region: region, MaxObjectSize: size})
		b.Cleanup(srv.Close)
		signed, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: bucket, Key: "uploads/${filename}"})
		if err != nil {
			b.Fatal(err)
		}
		impls := []struct {
			name string
			form *s3post.PresignedPost
		}{
			{"multipart", &s3post.PresignedPost{URL: floorServer(b, multipartFloor(false)), Fields: signed.Fields}},
			{"multipart-md5", &s3post.PresignedPost{URL: floorServer(b, multipartFloor(true)), Fields: signed.Fields}},
			{"s3posttest", signed},
		}
		client := &http.Client{}
		for _, impl := range impls {
			b.Run("size="+sizeName(size)+"/impl="+impl.name, func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					f, err := os.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					req, err := impl.form.NewUploadRequest(context.Background(), s3post.Upload{Filename: "photo.jpg", Body: f})
					if err != nil {
						b.Fatal(err)
					}
					err = post(client, req)
					f.Close()
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func floorServer(b *testing.B, h http.Handler) string {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}

// BenchmarkVerify checks the form of form.go, as a browser submits it,
// with s3post's Verifier, beside s3post presigning it. Compare them with
//
//	benchstat -filter .name:Verify -col /impl results.txt
func BenchmarkVerify(b *testing.B) {
	presign, err := newS3post(staticKeys)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	f, err := presign(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sub := s3post.Submission{Bucket: bucket, Filename: "photo.png", Fields: []s3post.Field{{Name: "Content-Type", Value: "image/png"}}}
	for name, value := range f.fields {
		sub.Fields = append(sub.Fields, s3post.Field{Name: name, Value: value})
	}
	v := &s3post.Verifier{Region: region, Lookup: func(context.Context, string) (s3post.Credentials, error) {
		return s3post.Credentials{AccessKeyID: staticKeys.accessKeyID, SecretAccessKey: staticKeys.secretAccessKey}, nil
	}}
	if _, err := v.Verify(ctx, sub); err != nil {
		b.Fatal(err)
	}
	b.Run("impl=presign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := presign(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, sub); err != nil {
				b.Fatal(err)
			}
		}
	})
}
