"""Word lists for names, plus vectorised assembly (all GBK-encodable characters)."""

from __future__ import annotations

import numpy as np
import polars as pl

# Common surnames, roughly by frequency (weights decay with rank).
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
)
MALE_CHARS = list(
    "伟强军磊勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建文志国东海兵晨阳诚亮成博振锋坤彬"
)
FEMALE_CHARS = list(
    "芳娜敏静丽艳娟霞燕玲桂英秀兰梅琳雪婷慧莹颖洁倩萍红玉晶璐瑶欣怡佳琪嘉蕾薇月凤丹妍婉芬琴云露"
)
SHARED_CHARS = list("子晓小思雨春天金永世家德嘉新立安秋如海一")

# Trade-name characters for entity names (字号).
TRADE_CHARS = list(
    "华鑫达兴盛源信创科智联通海宝安顺昌恒泰嘉佳美新宏远明亿德利丰永金星辉鹏锦博瑞祥富隆腾飞航宇晟弘康"
)
ENTERPRISE_SUFFIX = [
    "科技有限公司",
    "电子有限公司",
    "实业有限公司",
    "贸易有限公司",
    "精密科技有限公司",
    "塑胶制品有限公司",
    "五金制品有限公司",
    "物流有限公司",
    "建筑工程有限公司",
    "信息技术有限公司",
    "供应链管理有限公司",
    "投资发展有限公司",
    "餐饮管理有限公司",
]
SHOP_SUFFIX = [
    "便利店",
    "五金店",
    "餐饮店",
    "小吃店",
    "服装店",
    "手机店",
    "理发店",
    "水果店",
    "快餐店",
    "烟酒商行",
    "电器维修部",
    "士多店",
    "日用品商行",
]
SOCIAL_ORG_KIND = {
    "社会团体": ["商会", "协会", "联合会", "促进会", "志愿者协会"],
    "民办非企业单位": [
        "社工服务中心",
        "养老服务中心",
        "培训学校",
        "幼儿园",
        "康复中心",
        "社区服务中心",
    ],
    "基金会": ["慈善基金会", "公益基金会", "教育基金会"],
}
SOCIAL_ORG_SCOPE = {
    "社会团体": [
        "行业交流、咨询服务、会员培训",
        "组织志愿服务、社区公益活动",
        "开展商务交流、政策宣传、权益维护",
    ],
    "民办非企业单位": [
        "社会工作服务、社区居民服务",
        "居家养老服务、日间照料、助餐服务",
        "职业技能培训",
        "学前教育",
        "残疾人康复服务",
    ],
    "基金会": ["资助扶贫济困、助学助医项目", "资助社区公益慈善项目"],
}


def _pick(chars: list[str], n: int, rng: np.random.Generator, zipf: bool = False) -> pl.Series:
    """n random picks as a polars Series (gathering from polars is far faster
    than building numpy unicode arrays at millions of rows)."""
    if zipf:
        w = 1.0 / np.arange(1, len(chars) + 1) ** 0.9
        idx = rng.choice(len(chars), n, p=w / w.sum())
    else:
        idx = rng.integers(0, len(chars), n)
    return pl.Series(chars, dtype=pl.String).gather(idx)


def person_names(male: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Surname + one or two given-name characters, sex-appropriate."""
    n = len(male)
    frame = pl.DataFrame(
        {
            "male": np.asarray(male, dtype=bool),
            "two": rng.random(n) < 0.75,
            "shared": rng.random(n) < 0.5,
            "s": _pick(SURNAMES, n, rng, zipf=True),
            "m0": _pick(MALE_CHARS, n, rng),
            "m1": _pick(MALE_CHARS, n, rng),
            "f0": _pick(FEMALE_CHARS, n, rng),
            "f1": _pick(FEMALE_CHARS, n, rng),
            "c0": _pick(SHARED_CHARS, n, rng),
        }
    )
    male_e = pl.col("male")
    last = pl.when(male_e).then(pl.col("m1")).otherwise(pl.col("f1"))
    first = (
        pl.when(pl.col("shared"))
        .then(pl.col("c0"))
        .when(male_e)
        .then(pl.col("m0"))
        .otherwise(pl.col("f0"))
    )
    given = pl.when(pl.col("two")).then(first + last).otherwise(last)
    return frame.select(name=pl.col("s") + given)["name"]


def trade_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two-character trade names (字号)."""
    return (_pick(TRADE_CHARS, n, rng) + _pick(TRADE_CHARS, n, rng)).to_numpy()


def choose(words: list[str], n: int, rng: np.random.Generator) -> np.ndarray:
    return _pick(words, n, rng).to_numpy()
