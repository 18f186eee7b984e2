// A Keras loss name with a typo: the nearest names Keras takes are listed.
// expect: lossc: keras::get: no Keras loss has this name
// expect: lossc::keras::names::categorical_crossentropy
#include <lossc/keras/by_name.hpp>
const auto loss = lossc::keras::get<"categorical_crossentropie">();
