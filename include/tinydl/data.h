// data.h — umbrella header of tinydl::data (filled in as the layer is written).
#pragma once
