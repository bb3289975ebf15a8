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

package workload

import (
	"fmt"
	"strings"
)

// FieldError says why a DynamoComponentDeployment cannot be built: Field is the path of the
// offending field (such as spec.resources.limits.cpu) and Detail what is wrong with it. Build
// returns it wrapped in nothing, so errors.As finds it.
type FieldError struct {
	// Field is the path of the offending field, starting at the DCD (metadata. or spec.).
	Field string
	// Detail says what is wrong with the field.
	Detail string
}

// Error returns "<field>: <detail>".
func (e *FieldError) Error() string {
	return e.Field + ": " + e.Detail
}

// fieldErrorf returns a FieldError for field with a formatted detail.
func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// fieldPath joins path elements with dots.
func fieldPath(elems ...string) string {
	return strings.Join(elems, ".")
}

// indexPath returns path[i].
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// keyPath returns path[key].
func keyPath(path, key string) string {
	return fmt.Sprintf("%s[%s]", path, key)
}
