from yuanwei.web.apps.workbench.mask import mask_name, mask_phone


def test_it_masks_phones():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138-1234-5678") == "138****5678"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert "5678" not in mask_phone("5678")


def test_it_masks_names_partly():
    assert mask_name("刘洋") == "刘*"
    assert mask_name("王秀英") == "王*英"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("Alice") == "A***e"
    assert mask_name("") == ""
