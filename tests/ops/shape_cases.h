// shape_cases.h — the table of views and copies whose gradients are checked (view, reshape as a
// view and as a copy, transpose, permute, t, squeeze, unsqueeze, expand, narrow, slice, select,
// flatten, unflatten, contiguous, clone, and a chain of them), one row per op: the op as a
// function of its one input, and the input's shape. It is shared by the CPU test
// (tests/ops/test_shape.cpp, which runs gradcheck and gradgradcheck through each row) and by
// tests/cuda/test_tables_shape.cpp (which runs each row on the GPU and compares values and
// gradients with the CPU), so a row added here is tested on both devices. Test-only code,
// included by one test file per executable: hence the anonymous namespace.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct ShapeGradCase {
    const char* name;
    Fn fn;
    std::vector<int64_t> shape;
    bool gradgrad;
};
inline void PrintTo(const ShapeGradCase& c, std::ostream* os) { *os << c.name; }

const ShapeGradCase kShapeGradCases[] = {
    {"view",          [](const std::vector<Tensor>& x) { return x[0].view({3, -1}); },                     {2, 3, 2}, true},
    {"reshape_view",  [](const std::vector<Tensor>& x) { return x[0].reshape({6, 2}); },                   {2, 3, 2}, true},
    {"reshape_copy",  [](const std::vector<Tensor>& x) { return x[0].transpose(0, 2).reshape({-1}); },     {2, 3, 2}, true},
    {"transpose",     [](const std::vector<Tensor>& x) { return x[0].transpose(0, 2); },                   {2, 3, 2}, true},
    {"permute",       [](const std::vector<Tensor>& x) { return x[0].permute({1, 2, 0}); },                {2, 3, 2}, true},
    {"t",             [](const std::vector<Tensor>& x) { return x[0].t(); },                               {3, 4},    true},
    {"squeeze",       [](const std::vector<Tensor>& x) { return x[0].squeeze(); },                         {3, 1, 2}, true},
    {"squeeze_dim",   [](const std::vector<Tensor>& x) { return x[0].squeeze(-2); },                       {3, 1, 2}, true},
    {"unsqueeze",     [](const std::vector<Tensor>& x) { return x[0].unsqueeze(-1); },                     {3, 2},    true},
    {"expand",        [](const std::vector<Tensor>& x) { return x[0].expand({4, 3, 2}); },                 {3, 1},    true},
    {"narrow",        [](const std::vector<Tensor>& x) { return x[0].narrow(1, 1, 2); },                   {3, 4},    true},
    {"slice",         [](const std::vector<Tensor>& x) { return x[0].slice(0, 1, std::nullopt, 2); },      {5, 3},    true},
    {"slice_neg",     [](const std::vector<Tensor>& x) { return x[0].slice(-1, -3, -1); },                 {2, 5},    true},
    {"select",        [](const std::vector<Tensor>& x) { return x[0].select(1, -1); },                     {3, 4},    true},
    {"flatten",       [](const std::vector<Tensor>& x) { return x[0].flatten(1); },                        {2, 3, 2}, true},
    {"unflatten",     [](const std::vector<Tensor>& x) { return x[0].unflatten(1, {2, 3}); },              {2, 6},    true},
    {"contiguous",    [](const std::vector<Tensor>& x) { return x[0].t().contiguous(); },                  {3, 4},    true},
    {"clone",         [](const std::vector<Tensor>& x) { return x[0].clone(); },                           {3, 4},    true},
    {"chain",         [](const std::vector<Tensor>& x) {
                          return x[0].t().unsqueeze(0).expand({2, -1, -1}).slice(1, 1).select(2, 0); },   {3, 4},    true},
};

}  // namespace
}  // namespace tinydl
