// Every lossc::keras function form, as the compile-time benchmark and the compile-budget test
// compile them (one X-macro line each: LOSSC_CT_LOSS(name, expression)). Sparse forms read class
// ids from a one-column y_true; the hinge forms name their label convention.
#define LOSSC_CT_KERAS_FORMS(X)                                                                  \
    X(mean_squared_error, k::mean_squared_error())                                               \
    X(mean_absolute_error, k::mean_absolute_error())                                             \
    X(mean_absolute_percentage_error, k::mean_absolute_percentage_error())                       \
    X(mean_squared_logarithmic_error, k::mean_squared_logarithmic_error())                       \
    X(cosine_similarity, k::cosine_similarity())                                                 \
    X(huber, k::huber(0.7))                                                                      \
    X(log_cosh, k::log_cosh())                                                                   \
    X(hinge, k::hinge<k::hinge_labels::zero_one>())                                              \
    X(squared_hinge, k::squared_hinge<k::hinge_labels::signed_>())                               \
    X(categorical_hinge, k::categorical_hinge())                                                 \
    X(kl_divergence, k::kl_divergence())                                                         \
    X(poisson, k::poisson())                                                                     \
    X(binary_crossentropy, k::binary_crossentropy(0.1))                                          \
    X(binary_crossentropy_logits, k::binary_crossentropy<true>(0.1))                             \
    X(binary_focal_crossentropy, k::binary_focal_crossentropy(true, 0.3, 2.0, 0.1))              \
    X(binary_focal_crossentropy_logits, k::binary_focal_crossentropy<true>(false, 0.25, 1.5))    \
    X(categorical_crossentropy, k::categorical_crossentropy(0.1))                                \
    X(categorical_crossentropy_logits, k::categorical_crossentropy<true>(0.1))                   \
    X(sparse_categorical_crossentropy, k::sparse_categorical_crossentropy())                     \
    X(sparse_categorical_crossentropy_logits, k::sparse_categorical_crossentropy<true>(2))       \
    X(categorical_focal_crossentropy, k::categorical_focal_crossentropy(0.25, 2.0, 0.1))         \
    X(categorical_focal_crossentropy_logits, k::categorical_focal_crossentropy<true>(0.25, 2.0)) \
    X(categorical_generalized_cross_entropy, k::categorical_generalized_cross_entropy(0.6))      \
    X(dice, k::dice())                                                                           \
    X(tversky, k::tversky(0.3, 0.7))
