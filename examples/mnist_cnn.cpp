// mnist_cnn.cpp — train a convolutional network on MNIST-format data (Fashion-MNIST by default).
// This is the project's main job: scripts/run.sh builds and runs it.
//
// Models (--model):
//   cnn     conv(1->32, 3x3, pad 1) + ReLU + maxpool 2 -> conv(32->64, 3x3, pad 1) + ReLU +
//           maxpool 2 -> flatten 3136 -> Linear 128 -> ReLU -> Linear 10   (default; ~90% in 3 epochs)
//   lenet5  LeNet-5 with ReLU and max pooling: conv 6@5x5 (pad 2), conv 16@5x5, 120, 84, 10
//   bn      the cnn with BatchNorm after each convolution and Dropout before the classifier
// Default training: Adam, lr 1e-3, batch 128, 3 epochs. --augment adds a random crop (padding 2)
// and a random horizontal flip to each training image. The loop, flags and checkpoints are
// shared with mnist_mlp (mnist_trainer.h).
#include "mnist_trainer.h"

using namespace tinydl;

namespace {

std::shared_ptr<nn::Module> make_model(const std::string& name) {
    using std::make_shared;
    if (name == "lenet5")
        return make_shared<nn::Sequential>(nn::Sequential{
            make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 6, 5).padding(2)), make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(2),
            make_shared<nn::Conv2d>(6, 16, 5), make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(2),
            make_shared<nn::Flatten>(),
            make_shared<nn::Linear>(400, 120), make_shared<nn::ReLU>(),
            make_shared<nn::Linear>(120, 84), make_shared<nn::ReLU>(),
            make_shared<nn::Linear>(84, 10)});
    const bool bn = name == "bn";
    nn::Sequential net;
    net.push_back(make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 32, 3).padding(1)));
    if (bn) net.push_back(make_shared<nn::BatchNorm2d>(32));
    net.push_back(make_shared<nn::ReLU>());
    net.push_back(make_shared<nn::MaxPool2d>(2));
    net.push_back(make_shared<nn::Conv2d>(nn::Conv2dOptions(32, 64, 3).padding(1)));
    if (bn) net.push_back(make_shared<nn::BatchNorm2d>(64));
    net.push_back(make_shared<nn::ReLU>());
    net.push_back(make_shared<nn::MaxPool2d>(2));
    net.push_back(make_shared<nn::Flatten>());
    if (bn) net.push_back(make_shared<nn::Dropout>(0.25));
    net.push_back(make_shared<nn::Linear>(3136, 128));
    net.push_back(make_shared<nn::ReLU>());
    if (bn) net.push_back(make_shared<nn::Dropout>(0.5));
    net.push_back(make_shared<nn::Linear>(128, 10));
    return make_shared<nn::Sequential>(std::move(net));
}

// Random crop with zero padding 2, and a horizontal flip with probability 1/2, per image of a
// [N, 1, H, W] batch. Drawn from the global generator, which checkpoints save and restore.
Tensor augment(const Tensor& images) {
    NoGradGuard no_grad;
    const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
    const Tensor padded = pad(images, {2, 2, 2, 2});
    const Tensor offsets = randint(0, 5, {n, 2});
    const Tensor flips = randint(0, 2, {n});
    const Tensor reversed = arange(w - 1, -1, -1);
    Tensor out = empty_like(images);
    for (int64_t i = 0; i < n; ++i) {
        Tensor crop = padded[i].narrow(1, offsets.at<int64_t>({i, 0}), h).narrow(2, offsets.at<int64_t>({i, 1}), w);
        if (flips.at<int64_t>({i}) == 1) crop = crop.index_select(2, reversed);
        out[i].copy_(crop);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    trainer::Program program;
    program.name = "mnist_cnn";
    program.description = "Train a CNN on MNIST-format IDX data with tinydl";
    program.models = {"cnn", "lenet5", "bn"};
    program.make_model = make_model;
    program.augment = augment;
    trainer::Config defaults;
    defaults.model = "cnn";
    defaults.optimizer = "adam";
    defaults.epochs = 3;
    return trainer::run(argc, argv, program, defaults);
}
