// Integration tests build and push real images: give them room.
jest.setTimeout(10 * 60 * 1000)
