// train.h — umbrella header of tinydl::train (filled in as the layer is written).
#pragma once
