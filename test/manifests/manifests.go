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

// Package manifests reads Kubernetes manifests (single- or multi-document YAML files) into
// unstructured objects, for tests and tools that apply the examples.
package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// Document is one object of a manifest file, with the file it came from.
type Document struct {
	// File is the path of the file holding the document.
	File string
	// Object is the document's content.
	Object *unstructured.Unstructured
}

// ReadDir reads every *.yaml file of dir, in name order, and returns their documents in order.
func ReadDir(dir string) ([]Document, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var docs []Document
	for _, f := range files {
		fileDocs, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs = append(docs, fileDocs...)
	}
	return docs, nil
}

// ReadFile reads the documents of one YAML file, skipping empty ones.
func ReadFile(path string) ([]Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	docs := make([]Document, 0, len(objs))
	for _, o := range objs {
		docs = append(docs, Document{File: path, Object: o})
	}
	return docs, nil
}

// Decode splits multi-document YAML and decodes each non-empty document.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var content map[string]any
		if err := yaml.Unmarshal(raw, &content); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(content) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: content})
	}
}

// ReadGraphs reads every DynamoGraphDeployment of the *.yaml files of dir, in file and document
// order, skipping documents of other kinds.
func ReadGraphs(dir string) ([]*nvidiav1alpha1.DynamoGraphDeployment, error) {
	docs, err := ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var graphs []*nvidiav1alpha1.DynamoGraphDeployment
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, dgd); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", doc.File, doc.Object.GetName(), err)
		}
		graphs = append(graphs, dgd)
	}
	return graphs, nil
}
