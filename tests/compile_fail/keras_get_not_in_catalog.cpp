// A Keras loss that the catalog does not have yet.
// expect: lossc: keras::get: ctc (CTC) is a Keras loss that lossc's catalog does not have yet
#include <lossc/keras/by_name.hpp>
const auto loss = lossc::keras::get<"ctc">();
