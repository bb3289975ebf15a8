package placement

import flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"

// gpuPool is a pool of product with bars given as free, nodes pairs.
func gpuPool(product string, bars ...int32) flotillav1alpha1.GPUPool {
	p := flotillav1alpha1.GPUPool{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Product: product}
	for i := 0; i+1 < len(bars); i += 2 {
		p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: bars[i], Nodes: bars[i+1]})
	}
	return p
}
