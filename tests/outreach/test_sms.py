from yuanwei.outreach.sms import segments


def test_chinese_fits_70_characters_in_one_segment():
    assert segments("祝" * 70) == 1


def test_a_71st_chinese_character_makes_two_segments_of_67():
    assert segments("祝" * 71) == 2
    assert segments("祝" * 134) == 2
    assert segments("祝" * 135) == 3


def test_plain_ascii_uses_gsm7_160_and_153():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2


def test_one_chinese_character_switches_the_whole_message_to_ucs2():
    assert segments("a" * 69 + "祝") == 1
    assert segments("a" * 70 + "祝") == 2


def test_empty_message_has_no_segment():
    assert segments("") == 0
