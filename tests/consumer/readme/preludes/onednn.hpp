// SPDX-License-Identifier: MIT
// Stand-ins for the oneDNN fragment: an engine, a convolution's primitive descriptor and memories.
#include <gputime/gputime.hpp>

#include <dnnl.hpp>
// --- locals ---
dnnl::engine engine(dnnl::engine::kind::cpu, 0);
dnnl::convolution_forward::primitive_desc conv_pd;
dnnl::memory src, weights, bias, dst;
