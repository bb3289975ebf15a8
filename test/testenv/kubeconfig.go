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

package testenv

import (
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// clientIdentity is what a kubeconfig or rest.Config needs to reach one apiserver as one user.
type clientIdentity struct {
	server  string // https://127.0.0.1:<port>
	caPEM   []byte // the CA that signed the apiserver's serving certificate
	user    string // the name of the user entry (the certificate's CN)
	certPEM []byte // client certificate
	keyPEM  []byte // its private key
}

// renderKubeconfig renders a self-contained kubeconfig (credentials embedded, no file
// references) with a single cluster, user and context, the context being current.
func renderKubeconfig(contextName string, id clientIdentity) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[contextName] = &clientcmdapi.Cluster{
		Server:                   id.server,
		CertificateAuthorityData: id.caPEM,
	}
	cfg.AuthInfos[id.user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: id.certPEM,
		ClientKeyData:         id.keyPEM,
	}
	cfg.Contexts[contextName] = &clientcmdapi.Context{Cluster: contextName, AuthInfo: id.user}
	cfg.CurrentContext = contextName
	return clientcmd.Write(*cfg)
}

// restConfigFor returns a client configuration for id with generous client-side rate limits
// (a test cluster has no other tenants).
func restConfigFor(id clientIdentity) *rest.Config {
	return &rest.Config{
		Host: id.server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   id.caPEM,
			CertData: id.certPEM,
			KeyData:  id.keyPEM,
		},
		QPS:   200,
		Burst: 400,
	}
}
