/*
Copyright 2026 The Flotilla Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package launch

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestGenerateSSHKeyPair: the private key is a PKCS#1 PEM RSA 2048 key, the public key its
// authorized_keys line with a trailing newline.
func TestGenerateSSHKeyPair(t *testing.T) {
	data, err := GenerateSSHKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 2 {
		t.Errorf("keys = %d, want 2", len(data))
	}
	block, rest := pem.Decode(data["private.key"])
	if block == nil || block.Type != "RSA PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("private.key is not one RSA PRIVATE KEY PEM block: %q", data["private.key"])
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("ParsePKCS1PrivateKey: %v", err)
	}
	if key.N.BitLen() != 2048 {
		t.Errorf("key size = %d bits, want 2048", key.N.BitLen())
	}

	pubLine := data["private.key.pub"]
	if !bytes.HasPrefix(pubLine, []byte("ssh-rsa ")) || !bytes.HasSuffix(pubLine, []byte("\n")) || bytes.Count(pubLine, []byte("\n")) != 1 {
		t.Errorf("private.key.pub is not one ssh-rsa authorized_keys line: %q", pubLine)
	}
	pub, _, _, rest2, err := ssh.ParseAuthorizedKey(pubLine)
	if err != nil || len(rest2) != 0 {
		t.Fatalf("ParseAuthorizedKey: %v (rest %q)", err, rest2)
	}
	cryptoPub, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		t.Fatalf("public key %T has no crypto key", pub)
	}
	rsaPub, ok := cryptoPub.CryptoPublicKey().(*rsa.PublicKey)
	if !ok || !rsaPub.Equal(&key.PublicKey) {
		t.Error("public key does not match the private key")
	}

	again, err := GenerateSSHKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again["private.key"], data["private.key"]) {
		t.Error("two calls made the same key")
	}
}
