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
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Keys of the mpirun SSH key Secret, as the leader's and workers' scripts read them from
// /ssh-pk.
const (
	sshPrivateKeyKey = "private.key"
	sshPublicKeyKey  = "private.key.pub"
)

// sshKeyBits is the size of the mpirun SSH RSA key.
const sshKeyBits = 2048

// GenerateSSHKeyPair returns a new mpirun SSH key pair as upstream's ssh_key_manager.go makes it:
// RSA 2048, "private.key" = PKCS#1 PEM ("RSA PRIVATE KEY"), "private.key.pub" = authorized_keys
// format with trailing newline. The map is the data of the Secret named by Input.SSHSecretName.
func GenerateSSHKeyPair() (map[string][]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, sshKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate mpirun SSH key: %w", err)
	}
	pub, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode mpirun SSH public key: %w", err)
	}
	return map[string][]byte{
		sshPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		sshPublicKeyKey:  ssh.MarshalAuthorizedKey(pub),
	}, nil
}
