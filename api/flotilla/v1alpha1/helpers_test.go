package v1alpha1_test

import (
	"testing"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

func TestCopyCountDefaultsToOne(t *testing.T) {
	cases := []struct {
		name      string
		placement *flotillav1alpha1.PlacementSpec
		want      int32
	}{
		{"no placement", nil, 1},
		{"copies unset", &flotillav1alpha1.PlacementSpec{SpreadBy: "region"}, 1},
		{"copies set", &flotillav1alpha1.PlacementSpec{Copies: 3}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.placement.CopyCount(); got != tc.want {
				t.Errorf("CopyCount() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestGPUTotalsSumsPools(t *testing.T) {
	pools := []flotillav1alpha1.GPUPool{
		{ResourceName: "nvidia.com/gpu", Product: "NVIDIA-H100-80GB-HBM3", Total: 64, Free: 40},
		{ResourceName: "nvidia.com/gpu", Product: "NVIDIA-A100-SXM4-80GB", Total: 16, Free: 2},
	}
	free, total := flotillav1alpha1.GPUTotals(pools)
	if free != 42 || total != 80 {
		t.Errorf("GPUTotals() = %d/%d, want 42/80", free, total)
	}
	if free, total := flotillav1alpha1.GPUTotals(nil); free != 0 || total != 0 {
		t.Errorf("GPUTotals(nil) = %d/%d, want 0/0", free, total)
	}
}
