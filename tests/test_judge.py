"""The judge: the digits classifier (trained once per test session in a tmp folder) and the metrics that use it."""

import math
import os

import numpy as np
import pytest

from gan_lib import data, image_data, judge, metrics


def test_classifier_cache_path_refuses_unknown_settings():
    with pytest.raises(ValueError, match="depth"):
        judge.classifier_cache_path(depth=3)


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    return judge.digits_classifier(cache_dir=str(tmp_path_factory.mktemp("gan_lib_cache")))


@pytest.mark.slow
def test_digits_classifier_is_accurate_and_cached(classifier):
    assert classifier.test_accuracy > 0.95
    assert classifier.path == judge.classifier_cache_path(os.path.dirname(classifier.path))
    assert os.path.isfile(classifier.path)
    mtime = os.path.getmtime(classifier.path)
    judge._LOADED.pop(classifier.path)  # force a load from disk
    loaded = judge.digits_classifier(cache_dir=os.path.dirname(classifier.path))
    assert os.path.getmtime(classifier.path) == mtime  # loaded, not retrained
    images, _ = data.digits("test")
    np.testing.assert_array_equal(loaded.predict(images), classifier.predict(images))
    np.testing.assert_allclose(loaded.features(images), classifier.features(images), rtol=1e-5, atol=1e-6)
    assert loaded.test_accuracy == classifier.test_accuracy
    assert judge.digits_classifier(cache_dir=os.path.dirname(classifier.path)) is loaded  # in-process reuse


@pytest.mark.slow
def test_classifier_cache_key_follows_settings_and_training_is_deterministic(tmp_path):
    assert judge.classifier_cache_path("x") == judge.classifier_cache_path("x", epochs=15)
    assert judge.classifier_cache_path("x") != judge.classifier_cache_path("x", epochs=2)
    assert judge.classifier_cache_path("x") != judge.classifier_cache_path("x", seed=1)
    first = judge.digits_classifier(cache_dir=str(tmp_path / "a"), epochs=1)
    second = judge.digits_classifier(cache_dir=str(tmp_path / "b"), epochs=1)
    for u, v in zip(first.model.get_weights(), second.model.get_weights()):
        np.testing.assert_array_equal(u, v)


@pytest.mark.slow
def test_classifier_fid_real_images_sit_at_the_floor_and_failures_do_not(classifier):
    train, _ = data.digits("train")
    test, test_labels = data.digits("test")
    order = np.random.default_rng(0).permutation(len(train))
    reference, other_train = train[order[:1000]], train[order[1000:1360]]  # 360 images, as many as the test split
    floor = judge.classifier_fid(reference, other_train, classifier=classifier)
    real = judge.classifier_fid(reference, test, classifier=classifier)
    assert 0 < floor and 0.5 * floor < real < 2 * floor
    noisy = judge.classifier_fid(
        reference, np.clip(test + np.random.default_rng(1).normal(0, 0.3, test.shape), -1, 1), classifier=classifier
    )
    one_digit = judge.classifier_fid(reference, test[test_labels == 3], classifier=classifier)
    noise = judge.classifier_fid(reference, np.random.default_rng(2).uniform(-1, 1, test.shape), classifier=classifier)
    assert real < noisy < noise and 10 * floor < one_digit
    assert 10 * floor < noise
    with pytest.raises(ValueError, match="fake_images"):
        judge.classifier_fid(reference, np.zeros((5, 28, 28, 1)), classifier=classifier)
    with pytest.raises(ValueError, match="real_images"):
        judge.classifier_fid(train * 8 + 8, test, classifier=classifier)  # sklearn's 0..16 scale, not [-1, 1]


@pytest.mark.slow  # trains the digits classifier (a session fixture)
def test_class_coverage_of_real_and_single_class_images(classifier):
    test, labels = data.digits("test")
    everything = judge.class_coverage(test, classifier=classifier)
    assert everything["classes"] == 10
    # The classifier is ~99% right, so its histogram is the label histogram, nearly.
    assert everything["kl_uniform"] == pytest.approx(metrics.class_histogram_stats(labels)["kl_uniform"], abs=0.01)
    zeros = judge.class_coverage(test[labels == 0], classifier=classifier)
    assert zeros["classes"] == 1 and zeros["kl_uniform"] == pytest.approx(math.log(10))


# --- the Fashion-MNIST judge (28x28), trained once per machine into the default cache


@pytest.fixture(scope="session")
def fashion_judge():
    if image_data._fashion_folder() is None:
        pytest.skip("Fashion-MNIST is not installed (`sh scripts/install_fashion_mnist.sh`; test_data.py fails on it)")
    return judge.fashion_classifier()


@pytest.mark.slow
def test_fashion_judge_is_accurate_and_picked_by_image_size(fashion_judge):
    assert fashion_judge.kind == "fashion_mnist" and fashion_judge.image_shape == (28, 28, 1)
    assert fashion_judge.test_accuracy >= 0.90  # issue 17's bar
    assert fashion_judge.path == judge.classifier_cache_path(kind="fashion_mnist")
    assert judge._classifier(None, (28, 28, 1)) is fashion_judge
    assert judge._classifier(None, (8, 8, 1)).kind == "digits"
    with pytest.raises(ValueError, match="for the fashion_mnist judge"):
        judge.classifier_fid(np.zeros((4, 8, 8, 1)), np.zeros((4, 8, 8, 1)), classifier=fashion_judge)
    with pytest.raises(ValueError, match="differ in size"):
        judge.classifier_fid(np.zeros((4, 28, 28, 1)), np.zeros((4, 8, 8, 1)))
    with pytest.raises(ValueError, match="kind"):
        judge.classifier_cache_path(kind="mnist")


@pytest.mark.slow
def test_fashion_fid_floor_and_failures(fashion_judge):
    train, _ = data.fashion_mnist("train")
    test, labels = data.fashion_mnist("test")
    order = np.random.default_rng(0).permutation(len(train))
    reference, other_train = train[order[:2000]], train[order[2000:4000]]
    floor = judge.classifier_fid(reference, other_train)
    real = judge.classifier_fid(reference, test[:2000])
    assert 0 < floor and 0.5 * floor < real < 2 * floor  # train and test: the same distribution
    one_class = judge.classifier_fid(reference, test[labels == 7][:2000])  # sneakers only
    noise = judge.classifier_fid(reference, np.random.default_rng(2).uniform(-1, 1, (2000, 28, 28, 1)))
    assert 10 * floor < one_class and 10 * floor < noise
    coverage = judge.class_coverage(test)
    assert coverage["classes"] == 10
    # About 91% right, so the predicted histogram is near the labels' (1,000 per class).
    assert coverage["kl_uniform"] < 0.02
    assert judge.class_coverage(test[labels == 7])["kl_uniform"] > 1.5  # log 10 = 2.30 for one class
