"""Shared building blocks of the baselines, one small file each (read like RVM's ``model/``).

- :mod:`.layers` channel rounding, conv-BN-activation, time folding, crop-to-skip up-sampling
- :mod:`.init` the ImageNet-free initialisation (documented there)
- :mod:`.mobilenetv2`, :mod:`.mobilenetv3`, :mod:`.resnet` encoders at output stride 16;
  :mod:`.backbones` the name -> encoder table
- :mod:`.aspp` DeepLabV3 ASPP; :mod:`.lraspp` Lite R-ASPP
- :mod:`.convgru`, :mod:`.convlstm` recurrent cells over (B, T, C, H, W) sequences
- :mod:`.deep_guided_filter` RVM's high-resolution refiner; :mod:`.bgm_refiner` BGMv2's patch refiner
- :mod:`.bgm_decoder` BGMv2's decoder (+ seed 000's ConvLSTM variant); :mod:`.rvm_decoder` RVM's
  recurrent decoder; :mod:`.memory` seed 002's space-time memory read; :mod:`.memory_decoder` its
  residual decoder
"""

from .aspp import ASPP
from .backbones import BACKBONES, build_backbone
from .bgm_decoder import BGMDecoder, RecurrentBGMDecoder
from .bgm_refiner import Refiner
from .convgru import ConvGRU
from .convlstm import ConvLSTM
from .deep_guided_filter import DeepGuidedFilterRefiner
from .init import init_head_, init_weights
from .lraspp import LRASPP
from .memory import MemoryRead, SpaceTimeMemory
from .memory_decoder import MemoryDecoder
from .mobilenetv2 import MobileNetV2Encoder
from .mobilenetv3 import MobileNetV3LargeEncoder
from .resnet import ResNetEncoder
from .rvm_decoder import RecurrentDecoder

__all__ = [
    "ASPP", "BACKBONES", "BGMDecoder", "ConvGRU", "ConvLSTM", "DeepGuidedFilterRefiner", "LRASPP",
    "MemoryDecoder", "MemoryRead", "MobileNetV2Encoder", "MobileNetV3LargeEncoder",
    "RecurrentBGMDecoder", "RecurrentDecoder", "Refiner", "ResNetEncoder", "SpaceTimeMemory",
    "build_backbone", "init_head_", "init_weights",
]
