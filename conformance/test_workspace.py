"""Workspace objects through the official SDK: mkdirs, import/export in SOURCE, AUTO and JUPYTER,
the SDK's multipart upload and direct download, list, get_status, delete."""

import io
import json

import pytest
from databricks.sdk.errors import (
    DatabricksError,
    NotFound,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language, ObjectType

from helpers import b64, unb64, unique

NOTEBOOK_HEADER = "# Databricks notebook source\n"


@pytest.fixture(scope="module")
def home(w):
    root = f"/Users/{w.current_user.me().user_name}/{unique('conformance')}"
    w.workspace.mkdirs(root)
    return root


def test_mkdirs_creates_parents_and_is_idempotent(w, home):
    deep = f"{home}/a/b/c"
    w.workspace.mkdirs(deep)
    w.workspace.mkdirs(deep)
    for p in (f"{home}/a", f"{home}/a/b", deep):
        st = w.workspace.get_status(p)
        assert st.object_type == ObjectType.DIRECTORY
        assert st.object_id
    assert w.workspace.get_status("/").object_type == ObjectType.DIRECTORY


def test_source_notebook_roundtrip(w, home):
    path = f"{home}/nb_source"
    body = NOTEBOOK_HEADER + "print('hello')\n"
    w.workspace.import_(path, content=b64(body), format=ImportFormat.SOURCE, language=Language.PYTHON)
    st = w.workspace.get_status(path)
    assert (st.object_type, st.language) == (ObjectType.NOTEBOOK, Language.PYTHON)
    exported = w.workspace.export(path, format=ExportFormat.SOURCE)
    text = unb64(exported.content)
    assert "print('hello')" in text
    assert text.startswith("# Databricks notebook source")

    sql_path = f"{home}/nb_sql"
    w.workspace.import_(
        sql_path, content=b64("SELECT 1"), format=ImportFormat.SOURCE, language=Language.SQL
    )
    assert w.workspace.get_status(sql_path).language == Language.SQL
    assert "SELECT 1" in unb64(w.workspace.export(sql_path).content)


def test_auto_import_file_and_notebook(w, home):
    file_path = f"{home}/script.py"
    w.workspace.import_(file_path, content=b64("print(2)\n"), format=ImportFormat.AUTO)
    st = w.workspace.get_status(file_path)
    assert st.object_type == ObjectType.FILE
    assert unb64(w.workspace.export(file_path, format=ExportFormat.AUTO).content) == "print(2)\n"

    # with the notebook header, AUTO makes a notebook and drops the extension.
    w.workspace.import_(
        f"{home}/auto_nb.py", content=b64(NOTEBOOK_HEADER + "x = 1\n"), format=ImportFormat.AUTO
    )
    st = w.workspace.get_status(f"{home}/auto_nb")
    assert (st.object_type, st.language) == (ObjectType.NOTEBOOK, Language.PYTHON)
    with pytest.raises(NotFound):
        w.workspace.get_status(f"{home}/auto_nb.py")
    assert "x = 1" in unb64(w.workspace.export(f"{home}/auto_nb", format=ExportFormat.AUTO).content)


def test_jupyter_import_and_export(w, home):
    ipynb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["print('from jupyter')"],
            }
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 2,
    }
    path = f"{home}/nb_jupyter"
    w.workspace.import_(path, content=b64(json.dumps(ipynb)), format=ImportFormat.JUPYTER)
    st = w.workspace.get_status(path)
    assert (st.object_type, st.language) == (ObjectType.NOTEBOOK, Language.PYTHON)

    exported = json.loads(unb64(w.workspace.export(path, format=ExportFormat.JUPYTER).content))
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in exported["cells"]]
    assert any("print('from jupyter')" in s for s in sources)
    assert "print('from jupyter')" in unb64(w.workspace.export(path, format=ExportFormat.SOURCE).content)

    # and a SOURCE notebook exports as Jupyter too.
    src = f"{home}/nb_to_jupyter"
    w.workspace.import_(
        src, content=b64(NOTEBOOK_HEADER + "y = 2\n"), format=ImportFormat.SOURCE, language=Language.PYTHON
    )
    exported = json.loads(unb64(w.workspace.export(src, format=ExportFormat.JUPYTER).content))
    assert exported["nbformat"] == 4
    assert any("y = 2" in ("".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in exported["cells"])


def test_sdk_upload_and_download(w, home):
    path = f"{home}/uploaded.py"
    w.workspace.upload(path, io.BytesIO(b"print('uploaded')\n"), format=ImportFormat.AUTO)
    assert w.workspace.get_status(path).object_type == ObjectType.FILE
    with w.workspace.download(path, format=ExportFormat.AUTO) as f:
        assert f.read() == b"print('uploaded')\n"

    nb = f"{home}/uploaded_nb"
    w.workspace.upload(nb, (NOTEBOOK_HEADER + "z = 3\n").encode(), language=Language.PYTHON)
    assert w.workspace.get_status(nb).object_type == ObjectType.NOTEBOOK
    with w.workspace.download(nb) as f:
        assert b"z = 3" in f.read()


def test_import_conflicts_and_overwrite(w, home):
    path = f"{home}/conflict"
    w.workspace.import_(path, content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    with pytest.raises(ResourceAlreadyExists):
        w.workspace.import_(path, content=b64("2"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    w.workspace.import_(
        path, content=b64("print(3)"), format=ImportFormat.SOURCE, language=Language.PYTHON, overwrite=True
    )
    assert "print(3)" in unb64(w.workspace.export(path).content)


def test_import_over_10_mb_is_refused(w, home):
    big = b64("# " + "x" * (10 * 1024 * 1024 + 16))
    with pytest.raises(DatabricksError) as err:
        w.workspace.import_(f"{home}/too_big", content=big, format=ImportFormat.SOURCE, language=Language.PYTHON)
    assert err.value.error_code == "MAX_NOTEBOOK_SIZE_EXCEEDED"
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{home}/too_big")


def test_import_into_missing_parent_is_not_found(w, home):
    with pytest.raises(NotFound):
        w.workspace.import_(
            f"{home}/no/such/dir/nb", content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON
        )


def test_list_and_recursive_list(w, home):
    root = f"{home}/tree"
    w.workspace.mkdirs(f"{root}/sub")
    for p in (f"{root}/n1", f"{root}/sub/n2"):
        w.workspace.import_(p, content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    top = {o.path: o.object_type for o in w.workspace.list(root)}
    assert top == {f"{root}/n1": ObjectType.NOTEBOOK, f"{root}/sub": ObjectType.DIRECTORY}
    deep = {o.path for o in w.workspace.list(root, recursive=True)}
    assert deep == {f"{root}/n1", f"{root}/sub/n2"}
    w.workspace.mkdirs(f"{root}/empty")
    assert list(w.workspace.list(f"{root}/empty")) == []


def test_delete(w, home):
    root = f"{home}/del"
    w.workspace.mkdirs(f"{root}/inner")
    w.workspace.import_(f"{root}/inner/nb", content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    with pytest.raises(DatabricksError) as err:
        w.workspace.delete(root)
    assert err.value.error_code == "DIRECTORY_NOT_EMPTY"
    w.workspace.delete(f"{root}/inner/nb")
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{root}/inner/nb")
    w.workspace.import_(f"{root}/inner/nb", content=b64("1"), format=ImportFormat.SOURCE, language=Language.PYTHON)
    w.workspace.delete(root, recursive=True)
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(root)
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{root}/inner")


def test_missing_paths_do_not_exist(w, home):
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{home}/absent")
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.export(f"{home}/absent")
    with pytest.raises(ResourceDoesNotExist):
        list(w.workspace.list(f"{home}/absent"))
